package dev.unimoe.multimodal;

/** Where a row of the spliced sequence came from; media kinds carry Uni-MoE's placeholder id and tag. */
public enum Modality {
    TEXT(0, null),
    IMAGE(-200, "<image>"),
    AUDIO(-300, "<audio>"),
    VIDEO(-400, "<video>");

    public final int placeholderId;
    public final String tag;

    Modality(int placeholderId, String tag) {
        this.placeholderId = placeholderId;
        this.tag = tag;
    }

    public static Modality ofPlaceholder(int id) {
        for (Modality m : values()) if (m != TEXT && m.placeholderId == id) return m;
        return null;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
