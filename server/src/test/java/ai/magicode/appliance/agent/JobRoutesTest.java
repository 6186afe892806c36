package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JobRoutesTest {
    @Test
    void issueAndPullRequestLinksPointAtTheGitHubWebUi() {
        assertEquals(
                "https://ghe.example.com/acme/shop/issues/42",
                JobRoutes.webLink("https://ghe.example.com", "acme/shop", "issues", 42));
        assertEquals(
                "https://github.com/acme/shop/pull/7", JobRoutes.webLink("https://github.com", "acme/shop", "pull", 7));
    }

    @Test
    void noPullRequestYetMeansNoLink() {
        assertEquals("", JobRoutes.webLink("https://github.com", "acme/shop", "pull", 0));
    }
}
