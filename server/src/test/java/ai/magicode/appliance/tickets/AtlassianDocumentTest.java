package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class AtlassianDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheTextOfADocumentOneLinePerBlock() throws Exception {
        String doc = """
                {"type":"doc","version":1,"content":[
                  {"type":"paragraph","content":[{"type":"text","text":"It says "},
                    {"type":"text","text":"wrold","marks":[{"type":"code"}]}]},
                  {"type":"bulletList","content":[{"type":"listItem","content":[
                    {"type":"paragraph","content":[{"type":"text","text":"in Greeting"}]}]}]}]}""";
        assertEquals(
                "It says wrold\nin Greeting",
                AtlassianDocument.text(JSON.readTree(doc)).replaceAll("\n+", "\n"));
    }

    @Test
    void writesOneParagraphPerLineAndReadsItBack() throws Exception {
        String text = "MagiCode opened a pull request\nhttps://ghes.example/acme/shop/pull/1";
        assertEquals(text, AtlassianDocument.text(JSON.valueToTree(AtlassianDocument.of(text))));
    }
}
