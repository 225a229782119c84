using Fragility.Attribution;
using Fragility.Experiments;
using Fragility.Models;

namespace Fragility.Serve;

/// <summary>A model as the server uses it: the classifier, the method factory of the CLI's commands with one
/// reference for every method, and that reference's name.</summary>
internal sealed record LoadedModel(string Name, Classifier Classifier, SweepMethodFactory Methods, string Reference)
{
    /// <summary>Path points of integrated gradients for maps and the criterion (the demo's --ig-steps).</summary>
    public const int IgSteps = 32;

    /// <summary>Path points of integrated gradients inside attack gradients (the demo's --attack-steps).</summary>
    public const int AttackSteps = 8;

    /// <summary>Loads <paramref name="path"/> and makes its methods: the training mean as reference when the model
    /// records one (the CLI's default), else zero.</summary>
    public static LoadedModel Load(string name, string path)
    {
        var classifier = ModelStore.Load(path);
        try
        {
            var m = classifier.Metadata;
            string reference = m.ReferenceMean is not null || m.ReferenceChannelMean is not null ? "mean" : "zero";
            return new LoadedModel(name, classifier, SweepMethods.Create(classifier, reference), reference);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>The method called <paramref name="name"/> with <paramref name="igSteps"/> path points.</summary>
    public IAttributionMethod Method(string name, int igSteps = IgSteps) => Methods(name, igSteps);
}
