using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PoetryActors.Benchmarks -- --filter '*Aggregator*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
