using Ms5.Ops.Cli;

return await OpsCommands.Create().Parse(args).InvokeAsync();
