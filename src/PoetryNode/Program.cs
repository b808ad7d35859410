using PoetryNode.Cli;

return await PoetryCli.RunAsync(args);
