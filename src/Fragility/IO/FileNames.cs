namespace Fragility.IO;

/// <summary>Names that come from users or models (method, model, image names) made safe as parts of file names.</summary>
public static class FileNames
{
    /// <summary><paramref name="name"/> with every character other than a letter, digit, '-', '_' or '.' replaced by
    /// <paramref name="replacement"/>, so no name can leave its folder or break a shell line.</summary>
    public static string Safe(string name, char replacement = '_')
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : replacement));
    }
}
