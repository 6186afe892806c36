package ai.magicode.appliance.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A test section: a list of notes that tests append to and store. */
final class Notebook {
    /** One note; holds an Instant to check that JDK value types persist on this JDK. */
    record Note(int id, String text, Instant at) {}

    final ArrayList<Note> notes = new ArrayList<>();

    /** Appends a note and stores the changed list, as a feature would. */
    synchronized void add(ApplianceStore store, String text) {
        notes.add(new Note(notes.size(), text, Instant.ofEpochSecond(1_700_000_000L + notes.size())));
        store.store(notes);
    }

    synchronized List<String> texts() {
        return notes.stream().map(Note::text).toList();
    }
}
