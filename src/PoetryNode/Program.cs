using PoetryNode.Cli;
using PoetryNode.Hosting;

// First of all: a signal that comes while the node starts must not kill it (see StartupSignals).
StartupSignals.Hold();
return await PoetryCli.RunAsync(args);
