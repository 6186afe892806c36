package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Started closes what a test class started as try-with-resources would. */
class StartedTest {
    @Test
    void closesInReverseOrderOfStarting() throws Exception {
        List<String> closed = new ArrayList<>();
        Started started = new Started();
        started.add(() -> closed.add("simulator"));
        started.add(() -> closed.add("appliance"));
        started.add(() -> closed.add("browser"));
        started.close();
        assertEquals(List.of("browser", "appliance", "simulator"), closed);
        started.close();
        assertEquals(3, closed.size(), "each is closed once");
    }

    @Test
    void closesEveryOneWhenSomeFailAndThrowsTheFirstFailure() {
        List<String> closed = new ArrayList<>();
        Started started = new Started();
        started.add(() -> closed.add("simulator"));
        started.add(() -> {
            throw new IllegalStateException("appliance");
        });
        started.add(() -> {
            throw new IllegalStateException("browser");
        });
        Exception thrown = assertThrows(IllegalStateException.class, started::close);
        assertEquals("browser", thrown.getMessage());
        assertEquals("appliance", thrown.getSuppressed()[0].getMessage());
        assertEquals(List.of("simulator"), closed);
    }
}
