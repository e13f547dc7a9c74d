package dev.unimoe.cli;

import dev.unimoe.formats.FormatException;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code unimoe COMMAND [options]}: dispatches to one command class each; turns errors into one clear line. */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: unimoe COMMAND [options]

            commands:
              generate  --model PATH (--prompt TEXT | --prompt-ids 1,2,3) [--max-tokens N] [--temperature T]
                        [--top-k K] [--top-p P] [--seed S] [--context N] [--ignore-eos] [--json]
              run       --model DIR [--image F]... [--audio F]... [--video F|DIR]... [--frames N] --prompt TEXT
                        [--template vicuna|none] [--max-tokens N] [--temperature T] [--routing FILE] [--tokenizer DIR] [--json]
              tokenize  --model PATH --text TEXT [--no-special] [--json]
              inspect   --model PATH [--json]
              bench     --model PATH [--prompt-tokens N] [--decode-tokens N] [--repeat N] [--json]
              convert   --model DIR --out FILE.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_k|q5_k|q6_k]
              convert   --random --out FILE.gguf [--type ...] [--hidden N --layers N --heads N --kv-heads N
                        --experts N --top-k K --ffn N --vocab N --seed S --tokenizer DIR]
              devices   [--json]     the backends found and the devices --device N numbers

            PATH is a HF checkpoint folder (config.json + safetensors) or a .gguf file.
            """;

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            (argv.length == 0 ? err : out).print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String cmd = argv[0];
        try {
            return switch (cmd) {
                case "generate" -> GenerateCommand.run(argv, out, err);
                case "run" -> RunCommand.run(argv, out, err);
                case "tokenize" -> TokenizeCommand.run(argv, out, err);
                case "inspect" -> InspectCommand.run(argv, out, err);
                case "bench" -> BenchCommand.run(argv, out, err);
                case "convert" -> ConvertCommand.run(argv, out, err);
                case "devices" -> DevicesCommand.run(argv, out, err);
                default -> throw new Args.UsageException("unknown command '" + cmd + "' (one of generate, run, tokenize, inspect, bench, convert, devices)");
            };
        } catch (Args.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("run 'unimoe --help' for usage");
            return 2;
        } catch (FormatException | IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (" + e.getMessage() + "); raise the heap with UNIMOE_HEAP=8g or use a smaller --context");
            return 1;
        } catch (RuntimeException e) {
            err.println("error: " + e + (e.getStackTrace().length > 0 ? " at " + e.getStackTrace()[0] : ""));
            if (System.getenv("UNIMOE_DEBUG") != null) e.printStackTrace(err);
            else err.println("(set UNIMOE_DEBUG=1 for the stack trace)");
            return 1;
        }
    }

    static String[] rest(String[] argv) {
        return Arrays.copyOfRange(argv, 1, argv.length);
    }
}
