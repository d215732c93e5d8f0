// The browser tests share one chromium and the machine's two cores: they run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
