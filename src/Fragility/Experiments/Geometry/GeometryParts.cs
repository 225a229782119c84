using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// The parts of a geometry study split over processes (<c>fragility geometry ... --jobs N</c>): each worker measures
/// whole batches of the images (the studies' <c>MeasureImages</c>) and hands its part to the parent as a JSON file,
/// which the parent reads back and combines (the studies' <c>Combine</c>) into exactly the single run's result.
/// </summary>
/// <remarks>JSON keeps doubles exactly (shortest round-trip form) and NaN as a named literal, so a combined result
/// equals the single run's bit for bit.</remarks>
public static class GeometryParts
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes <paramref name="part"/> to <paramref name="path"/> (through a temporary file, so a killed worker
    /// leaves no half part).</summary>
    public static void Write<T>(string path, T part)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(part, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a part <see cref="Write"/> wrote.</summary>
    /// <exception cref="FragilityException">The file is missing or not such a part.</exception>
    public static T Read<T>(string path)
    {
        if (!File.Exists(path)) throw new FragilityException($"The worker's part '{path}' is missing: run the command again (with --jobs 1 to measure in one process).");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new FragilityException($"The worker's part '{path}' cannot be read ({e.Message}): run the command again.");
        }
    }

    /// <summary>The records of all <paramref name="parts"/> in position order, checked to hold every position
    /// 0..<paramref name="count"/>-1 exactly once.</summary>
    /// <exception cref="FragilityException">A position is missing or repeated.</exception>
    public static IReadOnlyList<T> InOrder<T>(IEnumerable<IReadOnlyList<T>> parts, Func<T, int> position, int count)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var all = parts.SelectMany(p => p).OrderBy(position).ToList();
        for (int i = 0; i < all.Count; i++)
            if (position(all[i]) != i) throw new FragilityException($"The parts of the study do not cover image {i} exactly once: run the command again.");
        if (all.Count != count) throw new FragilityException($"The parts of the study hold {all.Count} of {count} images: run the command again.");
        return all;
    }

    /// <summary>The rows of parts that each hold consecutive items from <c>First</c> on, in item order, checked like
    /// <see cref="InOrder"/> to hold every item 0..<paramref name="count"/>-1 exactly once.</summary>
    /// <exception cref="FragilityException">An item is missing or repeated.</exception>
    public static IReadOnlyList<T> Consecutive<T>(IEnumerable<(int First, IReadOnlyList<T> Rows)> parts, int count)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return InOrder(parts.Select(p => (IReadOnlyList<(int Position, T Row)>)p.Rows.Select((row, i) => (p.First + i, row)).ToList()), r => r.Position, count)
            .Select(r => r.Row).ToList();
    }
}
