using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PoetryActors.Benchmarks -- --filter '*Aggregator*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
