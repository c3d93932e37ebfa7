using Ms5.Ops.Cli;

var parse = OpsCommands.Create().Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    return OpsCommands.UsageError;
}

return await parse.InvokeAsync();
