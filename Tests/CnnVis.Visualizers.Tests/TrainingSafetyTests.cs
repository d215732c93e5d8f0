using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;

namespace CnnVis.Visualizers.Tests;

/// <summary>Explaining in the middle of training must leave the model and the training exactly as they were.</summary>
public class TrainingSafetyTests
{
    private static ExplanationMethod[] Everything() => new ExplanationMethod[]
    {
        new Saliency(), new GradientTimesInput(), new Cam(), new GradCam(), new GradCamPlusPlus(), new LayerCam(),
        new GuidedBackprop(), new GuidedGradCam(), new Deconvnet(), new SmoothGrad(new GuidedBackprop(), samples: 3),
        new IntegratedGradients(steps: 4), new ScoreCam(), new EigenCam(), new Occlusion(window: 4, stride: 4),
    };

    private static int HookCount(Module model) => model.modules().Sum(m => m.ForwardHookCount);

    [Fact]
    public void TheModelRunsInEvalModeAndEveryModuleGetsItsModeBack()
    {
        torch.manual_seed(30);
        using var model = new TinyCnn();
        model.train();
        model.BatchNorm.eval(); // a frozen batch norm inside a training model: mixed modes must come back as they were
        var before = model.modules().Select(m => m.training).ToArray();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        var probe = new ProbeMethod();
        using (new ExplanationPass(Everything().Append(probe)).Run(model, x, PredictedClass.Instance)) { }
        Assert.False(probe.ModelWasTraining);
        Assert.Equal(before, model.modules().Select(m => m.training).ToArray());
        var failing = new ProbeMethod(throws: true);
        Assert.Throws<InvalidOperationException>(() => failing.Explain(model, x, PredictedClass.Instance));
        Assert.Equal(before, model.modules().Select(m => m.training).ToArray());
    }

    [Fact]
    public void ExplainingWorksInsideNoGradAndLeavesTheGradModeAsItWas()
    {
        torch.manual_seed(36);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using var outside = new GuidedGradCam().Explain(model, x, new ClassTarget(0));
        using (torch.no_grad())
        {
            // A monitor callback may well run under no_grad.
            using var inside = new GuidedGradCam().Explain(model, x, new ClassTarget(0));
            Assert.True(inside.equal(outside));
            Assert.False(torch.is_grad_enabled());
        }
        Assert.True(torch.is_grad_enabled());
    }

    [Fact]
    public void DropoutDoesNotMakeExplanationsRandom()
    {
        torch.manual_seed(31);
        using var model = new TinyCnn();
        model.train();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using var first = new GradCam().Explain(model, x, new ClassTarget(0));
        using var second = new GradCam().Explain(model, x, new ClassTarget(0));
        Assert.True(first.equal(second));
    }

    [Fact]
    public void NoParameterGradientIsMadeOrChanged()
    {
        torch.manual_seed(32);
        using var model = new TinyCnn();
        model.train();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        using (new ExplanationPass(Everything()).Run(model, x, PredictedClass.Instance)) { }
        foreach (var (name, p) in model.named_parameters())
        {
            using var g = p.grad;
            Assert.True(g is null, $"{name} has a gradient after explaining");
        }
        // A training step between backward and optimizer.step: the gradients it accumulated must survive.
        using (var logits = model.call(x))
        using (var loss = logits.sum())
        {
            loss.backward();
        }
        var kept = model.named_parameters().ToDictionary(p => p.name, p => { using var g = p.parameter.grad!; return g.clone(); });
        using (new ExplanationPass(Everything()).Run(model, x, PredictedClass.Instance)) { }
        foreach (var (name, p) in model.named_parameters())
        {
            using var g = p.grad!;
            Assert.True(g.equal(kept[name]), $"{name}'s gradient changed");
            kept[name].Dispose();
        }
    }

    [Fact]
    public void BatchNormRunningStatisticsAreUntouched()
    {
        torch.manual_seed(33);
        using var model = new TinyCnn();
        model.train();
        using var x = torch.randn(new long[] { 4, 1, 8, 8 }) * 3.0 + 1.0;
        var bn = model.BatchNorm;
        using var mean = bn.running_mean!.clone();
        using var variance = bn.running_var!.clone();
        var tracked = bn.num_batches_tracked!.item<long>();
        using (new ExplanationPass(Everything()).Run(model, x, PredictedClass.Instance)) { }
        Assert.True(bn.running_mean!.equal(mean));
        Assert.True(bn.running_var!.equal(variance));
        Assert.Equal(tracked, bn.num_batches_tracked!.item<long>());
    }

    [Fact]
    public void FeatureVisualizationsLeaveTheModelAsItWasToo()
    {
        // They change the forward through the same code as the pass (guided ReLUs, a kept layer, eval mode).
        torch.manual_seed(36);
        using var model = new TinyCnn();
        model.train();
        model.BatchNorm.eval();
        using var own = model.Features.register_forward_hook((_, _, _) => null);
        var modes = model.modules().Select(m => m.training).ToArray();
        var bn = model.BatchNorm;
        using var mean = bn.running_mean!.clone();
        var tracked = bn.num_batches_tracked!.item<long>();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });

        using (FeatureMaps.Capture(model, x, "features.4")) { }
        using (new GuidedLayerActivation("features.3", 0).Explain(model, x)) { }
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedLayerActivation("features.3", 99).Explain(model, x));

        Assert.Equal(modes, model.modules().Select(m => m.training).ToArray());
        Assert.Equal(1, HookCount(model));
        Assert.True(bn.running_mean!.equal(mean));
        Assert.Equal(tracked, bn.num_batches_tracked!.item<long>());
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void EveryHookIsRemovedAlsoWhenAMethodThrows()
    {
        torch.manual_seed(34);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 2, 1, 8, 8 });
        // A hook of the caller's own (a monitor, say) must stay.
        using var own = model.Features.register_forward_hook((_, _, _) => null);
        var before = HookCount(model);
        Assert.Equal(1, before);

        using (new ExplanationPass(Everything()).Run(model, x, PredictedClass.Instance)) { }
        Assert.Equal(before, HookCount(model));

        var probe = new ProbeMethod(throws: true, rule: ReluRule.Guided);
        Assert.Throws<InvalidOperationException>(() => new ExplanationPass(new ExplanationMethod[] { new GuidedGradCam(), probe }).Run(model, x, PredictedClass.Instance));
        Assert.Equal(before, probe.HooksDuringCompute);
        Assert.Equal(before, HookCount(model));

        // Failing inside the forward, while the guided ReLUs and the layer hook are in place: two channels into a one-channel conv.
        using var wrongChannels = torch.randn(new long[] { 2, 2, 8, 8 });
        Assert.Throws<TorchException>(() => new ExplanationPass(new ExplanationMethod[] { new GuidedGradCam() }).Run(model, wrongChannels, PredictedClass.Instance));
        Assert.Equal(before, HookCount(model));

        // Failing just after the forward (a bad target) too.
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedBackprop().Explain(model, x, new ClassTarget(7)));
        Assert.Equal(before, HookCount(model));
        Assert.Throws<ArgumentException>(() => new GradCam("features.9").Explain(model, x, PredictedClass.Instance));
        Assert.Equal(before, HookCount(model));
    }

    [Fact]
    public void APassLeavesNoTensorBehind()
    {
        torch.manual_seed(35);
        using var model = new TinyCnn();
        using var x = torch.randn(new long[] { 4, 1, 8, 8 });
        var pass = new ExplanationPass(Everything());
        using (pass.Run(model, x, PredictedClass.Instance)) { } // warm-up: operators looked up once
        var baseline = Tensor.LiveCount;
        using (torch.NewDisposeScope())
        {
            var set = pass.Run(model, x, PredictedClass.Instance);
            Assert.True(Tensor.LiveCount > baseline);
        }
        Assert.Equal(baseline, Tensor.LiveCount);
        using (pass.Run(model, x, PredictedClass.Instance)) { }
        Assert.Equal(baseline, Tensor.LiveCount);
        Assert.Throws<InvalidOperationException>(() => new ExplanationPass(new ExplanationMethod[] { new GradCam(), new ProbeMethod(throws: true) }).Run(model, x, PredictedClass.Instance));
        Assert.Equal(baseline, Tensor.LiveCount);
        // Failing after the forward, with layer outputs kept by hooks (outside every dispose scope).
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedGradCam().Explain(model, x, new ClassTarget(9)));
        Assert.Equal(baseline, Tensor.LiveCount);
        var map = new GuidedGradCam().Explain(model, x, new ClassTarget(1));
        Assert.Equal(baseline + 1, Tensor.LiveCount);
        map.Dispose();
        Assert.Equal(baseline, Tensor.LiveCount);
    }
}
