namespace Fragility.Cli.Infrastructure;

/// <summary>Finds every <see cref="ICliCommand"/> in this assembly.</summary>
public static class CommandCatalog
{
    /// <summary>All commands, in help order.</summary>
    public static IReadOnlyList<ICliCommand> All() =>
        typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Order).ThenBy(c => c.GetType().Name)
            .ToList();
}
