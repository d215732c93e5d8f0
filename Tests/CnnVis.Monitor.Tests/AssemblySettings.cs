// Training tests set libtorch's global thread count and seed: tests must not run side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
