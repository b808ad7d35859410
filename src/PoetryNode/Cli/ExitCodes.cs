namespace PoetryNode.Cli;

/// <summary>What poetry-node's exit codes mean.</summary>
internal static class ExitCodes
{
    /// <summary>Everything worked; a server was stopped cleanly.</summary>
    public const int Success = 0;

    /// <summary>The work failed: a service could not start, a download failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line or the deployment file is wrong; nothing was started.</summary>
    public const int Usage = 2;
}
