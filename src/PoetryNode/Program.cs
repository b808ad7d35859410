using PoetryNode.Cli;
using PoetryNode.Get;
using PoetryNode.Hosting;

// First of all: a signal that comes while the node starts must not kill it (see StartupSignals).
StartupSignals.Hold();
// Before anything reads the runtime's features: a plain get interprets instead of emitting code.
InterpretedDynamicCode.ForPlainGet(args);
return await PoetryCli.RunAsync(args);
