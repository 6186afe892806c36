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
                        "TYPE Outer 3-6",
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
                        "FUNCTION Session.closed 13-15",
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

    private static List<String> all(String path, String text) {
        return Chunker.chunk(path, text).stream().map(ChunkerTest::describe).toList();
    }

    @Test
    void javadocAndAnnotationsBelongToTheUnitTheyDocument() {
        String java = """
                package a;

                /**
                 * Parses dates.
                 */
                @Deprecated
                public final class Dates {
                    // the default zone
                    private static final String ZONE = "UTC";

                    /**
                     * Parses {@code text}.
                     *
                     * @param text an ISO date
                     */
                    @SuppressWarnings("unchecked")
                    public static Object parse(String text) {
                        return text;
                    }

                    /** Formats. */ // and a trailing note
                    static String format(Object o) {
                        return "" + o;
                    }
                }
                """;
        assertEquals(
                List.of(
                        "WINDOW  1-1",
                        "TYPE Dates 3-10",
                        "FUNCTION Dates.parse 11-19",
                        "FUNCTION Dates.format 21-24",
                        "WINDOW  25-25"),
                all("a/Dates.java", java));
        Chunk parse = Chunker.chunk("a/Dates.java", java).get(2);
        assertTrue(parse.text().startsWith("    /**\n     * Parses {@code text}."), parse.text());
        assertEquals("public static Object parse(String text)", parse.signature());
    }

    @Test
    void pythonCommentsAndDecoratorsIncludingMultiLineOnesBelongToTheFunction() {
        String python = """
                import pytest


                # Checks the parser on every sample.
                @pytest.mark.parametrize(
                    "sample",
                    ["a", "b"],
                )
                def test_parse(sample):
                    assert sample


                class Config:
                    x = 1
                    # Reads the file.
                    # Raises OSError.
                    @classmethod
                    def load(cls, path):
                        return cls()
                """;
        assertEquals(
                List.of("WINDOW  1-1", "FUNCTION test_parse 4-10", "TYPE Config 13-14", "FUNCTION Config.load 15-19"),
                all("tests/test_parse.py", python));
    }

    @Test
    void pythonCommentAtTheEndOfABodyStaysInThatBody() {
        String python = "def a():\n    return 1\n    # done\ndef b():\n    return 2\n";
        assertEquals(List.of("FUNCTION a 1-3", "FUNCTION b 4-5"), all("m.py", python));
    }

    @Test
    void jsDocAndTypeScriptDecoratorsBelongToTheUnit() {
        String ts = """
                import { Component } from "x";

                /**
                 * Renders a node.
                 * @param node the node
                 */
                export function render(node) {
                  return node;
                }

                @Component({
                  selector: "app-list",
                })
                export class ListView {
                  // Refreshes the rows.
                  refresh() {
                    return 1;
                  }
                }
                """;
        assertEquals(
                List.of(
                        "WINDOW  1-1",
                        "FUNCTION render 3-9",
                        "TYPE ListView 11-14",
                        "FUNCTION ListView.refresh 15-18",
                        "WINDOW  19-19"),
                all("src/list.ts", ts));
    }

    @Test
    void goDocCommentsBelongToTheFunction() {
        String go = """
                package main

                // Server serves.
                type Server struct {
                	addr string
                }

                // Start listens on port.
                // It returns nil when port is 0.
                func (s *Server) Start(port int) error {
                	return nil
                }
                """;
        assertEquals(List.of("WINDOW  1-1", "TYPE Server 3-6", "FUNCTION Server.Start 8-12"), all("cmd/server.go", go));
    }
}
