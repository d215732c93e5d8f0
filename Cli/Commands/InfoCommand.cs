using System.CommandLine;
using System.Globalization;
using CnnVis.Torch;
using CnnVis.Training.Models;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis info`: the engine's version, threads and what the zoo and datasets offer.</summary>
public static class InfoCommand
{
    public static Command Build()
    {
        var command = new Command("info", "Show the libtorch engine's version and settings, the models and the datasets.");
        command.SetAction(_ =>
        {
            var table = new Table().AddColumn("what").AddColumn("value");
            table.AddRow("libtorch", torch.__version__);
            table.AddRow("threads", $"{ThreadsOption.Default.ToString(CultureInfo.InvariantCulture)} (this machine's cores): what train, explain and demo use unless --threads says otherwise");
            table.AddRow("libtorch's own default", $"{torch.get_num_threads().ToString(CultureInfo.InvariantCulture)} thread(s), not used by cnnvis");
            table.AddRow("CUDA", torch.cuda.is_available() ? "available" : "not available (CPU)");
            table.AddRow("models", string.Join(", ", ModelZoo.Names));
            table.AddRow("datasets", "fashion-mnist, synthetic-shapes, folder:<path>");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
