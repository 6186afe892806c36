package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.store.TenantData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data inventory cannot drift: every store section and every data-dir directory an appliance creates is covered
 * by a registered {@link TenantData}, and every registration covers something that exists or is declared.
 */
class DataInventoryTest {
    /** Data-dir directories that hold no data of their own: the store's files are covered section by section. */
    private static final Set<String> STRUCTURE = Set.of("dir:store", "dir:secrets");

    @TempDir
    Path dataDir;

    @Test
    void everyStoreSectionAndDataDirDirectoryIsDeclared() throws Exception {
        Set<String> present = new TreeSet<>();
        Set<String> declared = new TreeSet<>();
        List<TenantData> kinds;
        try (Appliance appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_INDEX_EMBEDDINGS", "none")))) {
            kinds = appliance.inventory().kinds();
            kinds.forEach(kind -> declared.addAll(kind.covers()));
            present.addAll(appliance.storeSections().stream()
                    .map(name -> "store:" + name)
                    .toList());
        }
        try (Stream<Path> list = Files.list(dataDir)) {
            list.filter(Files::isDirectory)
                    .map(p -> "dir:" + p.getFileName())
                    .filter(name -> !STRUCTURE.contains(name))
                    .forEach(present::add);
        }
        Set<String> undeclared = new TreeSet<>(present);
        undeclared.removeAll(declared);
        assertTrue(undeclared.isEmpty(), "stored but not in the inventory (register a TenantData): " + undeclared);
        assertTrue(present.contains("store:auth.tenants") && present.contains("dir:audit"), present.toString());
        assertEquals(
                kinds.size(), kinds.stream().map(TenantData::name).distinct().count(), "kind names are unique");
    }

    @Test
    void theTenantRecordIsErasedLast() throws Exception {
        try (Appliance appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_INDEX_EMBEDDINGS", "none")))) {
            List<TenantData> kinds = appliance.inventory().kinds();
            assertEquals("auth.tenants", kinds.getLast().name());
            assertEquals("privacy.exports", kinds.getFirst().name(), "exports copy everything: erased first");
        }
    }
}
