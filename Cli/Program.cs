using CnnVis.Cli;

return await CnnVisCommand.RunAsync(args);
