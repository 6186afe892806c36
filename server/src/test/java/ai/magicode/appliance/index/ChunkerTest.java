package ai.magicode.appliance.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static String describe(Chunk c) {
        return c.kind() + " " + c.qualifiedName() + " " + c.startLine() + "-" + c.endLine();
    }

    private static List<String> units(String path, String text) {
        return Chunker.chunk(path, text).stream()
                .filter(c -> c.kind() != Chunk.Kind.WINDOW)
                .map(ChunkerTest::describe)
                .toList();
    }

    @Test
    void javaTypesAndMethodsWithEnclosingNamesIgnoringBracesInStringsAndComments() {
        String java = """
                package a.b;

                /** A { brace in a comment. */
                public class Outer {
                    private String s = "}{";

                    @Override
                    public String toString() {
                        return s + '}';
                    }

                    static final class Inner implements Runnable {
                        public void run() {
                            if (true) {
                                Runnable r = () -> { };
                            }
                        }
                    }
                }
                """;
        assertEquals(
                List.of(
                        "TYPE Outer 4-6",
                        "FUNCTION Outer.toString 7-10",
                        "TYPE Outer.Inner 12-12",
                        "FUNCTION Outer.Inner.run 13-17"),
                units("a/b/Outer.java", java));
        Chunk method = Chunker.chunk("a/b/Outer.java", java).stream()
                .filter(c -> c.name().equals("toString"))
                .findFirst()
                .orElseThrow();
        assertEquals("public String toString()", method.signature());
        assertTrue(method.text().contains("return s + '}';"), method.text());
    }

    @Test
    void pythonClassesMethodsAndNestedFunctions() {
        String python = """
                import os


                class Session:
                    \"\"\"A session.\"\"\"

                    def send(self, request,
                             timeout=None):
                        def helper():
                            return 1
                        return helper()

                    @property
                    def closed(self):
                        return False


                def main():
                    pass
                """;
        assertEquals(
                List.of(
                        "TYPE Session 4-6",
                        "FUNCTION Session.send 7-11",
                        "FUNCTION Session.send.helper 9-10",
                        "FUNCTION Session.closed 14-15",
                        "FUNCTION main 18-19"),
                units("pkg/sessions.py", python));
        Chunk send = Chunker.chunk("pkg/sessions.py", python).stream()
                .filter(c -> c.name().equals("send"))
                .findFirst()
                .orElseThrow();
        assertEquals("def send(self, request, timeout=None):", send.signature());
        Chunk closed = Chunker.chunk("pkg/sessions.py", python).stream()
                .filter(c -> c.name().equals("closed"))
                .findFirst()
                .orElseThrow();
        assertTrue(closed.text().startsWith("    @property\n"), closed.text());
    }

    @Test
    void javaScriptAndTypeScriptFunctionsClassesAndArrows() {
        String ts = """
                export function parse(text: string): Node {
                  return build(`${text}}`);
                }

                export class Parser {
                  parse(input) {
                    return input;
                  }
                }

                const render = (node) => {
                  return node;
                };
                """;
        assertEquals(
                List.of("FUNCTION parse 1-3", "TYPE Parser 5-5", "FUNCTION Parser.parse 6-8", "FUNCTION render 11-13"),
                units("src/parse.ts", ts));
    }

    @Test
    void goFunctionsMethodsWithReceiversAndStructs() {
        String go = """
                package main

                type Server struct {
                	addr string
                }

                func (s *Server) Start(port int) error {
                	if port == 0 {
                		return nil
                	}
                	return nil
                }

                func main() {
                	fmt.Println("{")
                }
                """;
        assertEquals(
                List.of("TYPE Server 3-5", "FUNCTION Server.Start 7-12", "FUNCTION main 14-16"),
                units("cmd/main.go", go));
    }

    @Test
    void otherTextBecomesWindowsCoveringEveryNonBlankLine() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 130; i++) {
            text.append("line ").append(i).append('\n');
        }
        List<Chunk> chunks = Chunker.chunk("notes.md", text.toString());
        assertEquals(
                List.of("WINDOW  1-60", "WINDOW  61-120", "WINDOW  121-130"),
                chunks.stream().map(ChunkerTest::describe).toList());
    }

    @Test
    void codeOutsideUnitsIsKeptInWindows() {
        List<Chunk> chunks = Chunker.chunk("m.py", "import os\nX = 1\n\ndef f():\n    return X\n");
        assertEquals(
                List.of("WINDOW  1-2", "FUNCTION f 4-5"),
                chunks.stream().map(ChunkerTest::describe).toList());
    }
}
