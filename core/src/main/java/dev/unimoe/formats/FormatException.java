package dev.unimoe.formats;

/**
 * Bad input in a model, tokenizer or media file. The message always names the file, the field
 * (or byte range) at fault and what was expected, so a user can act on it without a stack trace.
 */
public class FormatException extends RuntimeException {
    private final String file;
    private final String field;

    public FormatException(String file, String field, String expected) {
        super(file + ": " + field + ": expected " + expected);
        this.file = file;
        this.field = field;
    }

    public FormatException(String file, String message) {
        super(file + ": " + message);
        this.file = file;
        this.field = null;
    }

    public String file() { return file; }

    public String field() { return field; }
}
