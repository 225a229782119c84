namespace Fragility;

/// <summary>
/// An error caused by the user's input or environment (a missing file, a bad option value),
/// whose message names the problem and the fix. The command-line tool prints it as one line.
/// </summary>
public class FragilityException : Exception
{
    /// <summary>Creates an error with a message that names the problem and the fix.</summary>
    public FragilityException(string message) : base(message) { }

    /// <summary>Creates an error with a message that names the problem and the fix, and the underlying cause.</summary>
    public FragilityException(string message, Exception inner) : base(message, inner) { }
}
