// Leak tests compare Tensor.LiveCount, which counts every thread's tensors: tests must not run side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
