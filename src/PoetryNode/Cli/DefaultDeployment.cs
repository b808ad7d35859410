using System.Reflection;

namespace PoetryNode.Cli;

/// <summary>The deployment embedded in the executable, which <c>poetry-node run</c> uses when no file is given.</summary>
internal static class DefaultDeployment
{
    /// <summary>How the embedded deployment is named in logs and errors.</summary>
    public const string Source = "(embedded default deployment)";

    /// <summary>The embedded deployment's text.</summary>
    public static string Text
    {
        get
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PoetryNode.default-deployment.hocon")
                ?? throw new InvalidOperationException("the default deployment is not embedded");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }
}
