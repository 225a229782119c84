using System.Security.Cryptography;
using System.Text;
using Fragility.Models.Import;

namespace Fragility.Tests.Import;

/// <summary>The class names read from the embedded text file are torchvision's, in label order.</summary>
public class ImageNetClassNamesTests
{
    [Fact]
    public void Names_AreTorchvisionsInLabelOrder()
    {
        var names = ImageNetClassNames.All;
        Assert.Equal(1000, names.Count);
        // Labels printed by python3-torchvision 0.14's torchvision.models._meta._IMAGENET_CATEGORIES.
        Assert.Equal("tench", names[0]);
        Assert.Equal("goldfish", names[1]);
        Assert.Equal("tabby", names[281]);
        Assert.Equal("Egyptian cat", names[285]);
        Assert.Equal("sports car", names[817]);
        Assert.Equal("banana", names[954]);
        Assert.Equal("toilet tissue", names[999]);
        // SHA-256 of all 1000 names joined by "\n", computed from the same torchvision list (and from the C# literal
        // list the text file replaced): one changed, lost or reordered name changes it.
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', names))));
        Assert.Equal("0b0f9fee7c952f257418d62aa701f023a9da13b443a14f5c4291e5724d92967c", hash);
        Assert.Same(names, ImportPreset.ImageNet.ClassNames);
    }
}
