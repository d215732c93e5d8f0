namespace CnnVis.Visualizers.Scores;

/// <summary>Which of Petsiuk et al.'s two faithfulness curves.</summary>
public enum PerturbationKind
{
    /// <summary>The most relevant pixels are removed first (set to the fill): a faithful map makes the class's probability fall fast.</summary>
    Deletion,

    /// <summary>The most relevant pixels are revealed first on a blank (by default blurred) canvas: a faithful map makes it rise fast.</summary>
    Insertion,
}
