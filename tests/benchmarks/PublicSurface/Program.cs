using System.Reflection;
using System.Runtime.Loader;

// For each assembly path: its public types (top-level, then with the nested ones), read from
// metadata in a context of its own so the dependencies are resolved beside the assembly.
foreach (var path in args)
{
    var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
    var context = new AssemblyLoadContext(path, isCollectible: true);
    context.Resolving += (c, name) =>
        File.Exists(Path.Combine(folder, name.Name + ".dll")) ? c.LoadFromAssemblyPath(Path.Combine(folder, name.Name + ".dll")) : null;
    var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(path));
    var types = assembly.GetExportedTypes();
    Console.WriteLine($"{Path.GetFileName(path)} {types.Count(t => !t.IsNested)} {types.Length}");
}
