namespace CnnVis.Monitor.Store;

/// <summary>One epoch of the validation cube: for every validation image, its label, the predicted class and the true class's probability.</summary>
public sealed record CubeSlice(int Epoch, long Step, int[] DatasetIndices, int[] Labels, int[] Predictions, float[] TrueClassProbabilities)
{
    public int Count => DatasetIndices.Length;
}
