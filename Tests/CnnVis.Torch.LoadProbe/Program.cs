using CnnVis.Torch;

// cnnvis-load-probe state-dict|image PATH: loads the file as a user's command would and reads every value.
// Exit 0 and a summary on success; exit 2 and the error's message on a TorchException; anything else is a
// crash the suite reports.
if (args.Length != 2) return Usage();
try
{
    switch (args[0])
    {
        case "state-dict":
            using (var scope = torch.NewDisposeScope())
            {
                var tensors = torch.load(args[1]);
                double sum = 0;
                foreach (var (_, t) in tensors) sum += t.to(ScalarType.Float64).sum().item<double>();
                Console.WriteLine($"loaded {tensors.Count} tensors, sum {sum}");
            }
            return 0;
        case "image":
            using (var image = torchvision.io.read_image(args[1]))
                Console.WriteLine($"decoded {string.Join("x", image.shape)}");
            return 0;
        default:
            return Usage();
    }
}
catch (TorchException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: CnnVis.Torch.LoadProbe state-dict|image PATH");
    return 64;
}
