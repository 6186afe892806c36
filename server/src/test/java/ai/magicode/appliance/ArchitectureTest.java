package ai.magicode.appliance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** DESIGN.md's package rules: each third-party library has one owning feature, and features form no cycles. */
@AnalyzeClasses(packages = "ai.magicode.appliance", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String ROOT = "ai.magicode.appliance";

    @ArchTest
    static final ArchRule jgitOnlyInGit = onlyOwnerUses("org.eclipse.jgit..", "git");

    @ArchTest
    static final ArchRule luceneOnlyInIndex = onlyOwnerUses("org.apache.lucene..", "index");

    @ArchTest
    static final ArchRule langchainOnlyInLlm = onlyOwnerUses("dev.langchain4j..", "llm");

    @ArchTest
    static final ArchRule nimbusOnlyInAuth = onlyOwnerUses("com.nimbusds..", "auth");

    @ArchTest
    static final ArchRule eclipseStoreOnlyInStore = noClasses()
            .that()
            .resideOutsideOfPackage(ROOT + ".store..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.eclipse.store..", "org.eclipse.serializer..")
            .because("only the store feature owns Eclipse Store");

    @ArchTest
    static final ArchRule bouncyCastleOnlyInSecretsAndAudit = noClasses()
            .that()
            .resideOutsideOfPackages(ROOT + ".secrets..", ROOT + ".audit..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.bouncycastle..")
            .because("only secrets (and audit, for signing) own Bouncy Castle");

    @ArchTest
    static final ArchRule snakeYamlOnlyInConfigShipAndAgent = noClasses()
            .that()
            .resideOutsideOfPackages(ROOT + ".config..", ROOT + ".ship..", ROOT + ".agent..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.yaml.snakeyaml..")
            .because("YAML is read by config (appliance settings), ship (chart values) and agent (.magicode.yml)");

    @ArchTest
    static final ArchRule featuresAreFreeOfCycles =
            slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule featuresDoNotReachTheCompositionRoot = noClasses()
            .that()
            .resideInAPackage(ROOT + ".*..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT)
            .because("Main and Appliance compose the features; features never call back into them");

    @ArchTest
    static final ArchRule foundationsDependOnNoHigherFeature = noClasses()
            .that()
            .resideInAnyPackage(ROOT + ".store..", ROOT + ".secrets..", ROOT + ".audit..", ROOT + ".config..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + ".auth..",
                    ROOT + ".github..",
                    ROOT + ".git..",
                    ROOT + ".index..",
                    ROOT + ".llm..",
                    ROOT + ".tickets..",
                    ROOT + ".agent..",
                    ROOT + ".console..",
                    ROOT + ".ship..",
                    ROOT + ".privacy..")
            .because("data flows one way: console, agent → github, git, index, llm, tickets → store, secrets, audit");

    @ArchTest
    static final ArchRule integrationsDoNotCallAgentOrConsole = noClasses()
            .that()
            .resideInAnyPackage(
                    ROOT + ".github..", ROOT + ".git..", ROOT + ".index..", ROOT + ".llm..", ROOT + ".tickets..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ROOT + ".agent..", ROOT + ".console..", ROOT + ".privacy..")
            .allowEmptyShould(true)
            .because("calls against the flow go through a callback handed over in Appliance");

    @ArchTest
    static final ArchRule privacyReachesFeaturesOnlyThroughTheirTenantData = noClasses()
            .that()
            .resideInAPackage(ROOT + ".privacy..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + ".auth..",
                    ROOT + ".github..",
                    ROOT + ".git..",
                    ROOT + ".index..",
                    ROOT + ".llm..",
                    ROOT + ".tickets..",
                    ROOT + ".agent..",
                    ROOT + ".console..")
            .because("privacy sweeps the features through the store.TenantData each one registers in Appliance");

    @ArchTest
    static final ArchRule featuresDoNotCallPrivacy = noClasses()
            .that()
            .resideInAnyPackage(
                    ROOT + ".auth..", ROOT + ".secrets..", ROOT + ".agent..", ROOT + ".console..", ROOT + ".tickets..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + ".privacy..")
            .allowEmptyShould(true)
            .because("features declare their data (store.TenantData); only Appliance hands it to privacy");

    @ArchTest
    static final ArchRule onlyTheRootAndConsoleUseTheAgent = noClasses()
            .that()
            .resideOutsideOfPackages(ROOT, ROOT + ".agent..", ROOT + ".console..", ROOT + ".bench..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + ".agent..")
            .because("the agent is the top of the flow: only the composition root, the console and the benchmark"
                    + " commands (bench agent) use it");

    @ArchTest
    static final ArchRule agentUsesOnlyLowerFeatures = noClasses()
            .that()
            .resideInAPackage(ROOT + ".agent..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + ".auth..", ROOT + ".console..", ROOT + ".control..", ROOT + ".ship..", ROOT + ".bench..")
            .because("agent uses github, git, index, llm, tickets, store, secrets, audit, web and config only");

    @ArchTest
    static final ArchRule ticketsUseOnlyTheCore = noClasses()
            .that()
            .resideInAPackage(ROOT + ".tickets..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + ".auth..",
                    ROOT + ".github..",
                    ROOT + ".git..",
                    ROOT + ".index..",
                    ROOT + ".llm..",
                    ROOT + ".control..",
                    ROOT + ".ship..",
                    ROOT + ".bench..")
            .because("tickets sits beside github: it uses store, secrets, audit, web and config; the agent joins them");

    private static ArchRule onlyOwnerUses(String library, String owner) {
        return noClasses()
                .that()
                .resideOutsideOfPackage(ROOT + "." + owner + "..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(library)
                .allowEmptyShould(true)
                .because("only the " + owner + " feature owns " + library);
    }
}
