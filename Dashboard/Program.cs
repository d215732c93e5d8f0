using CnnVis.Dashboard;

await DashboardApp.Build(args).RunAsync();
