using Ms5.Proxy;
using Ms5.ServiceDefaults;

// ms5-proxy: owns the public API port and forwards every request to the active release's API (blue or green slot);
// POST /proxy/switch on the loopback admin port moves new requests to another one while in-flight ones finish.
var builder = WebApplication.CreateBuilder(Ms5.ServiceDefaults.HostDefaults.Options(args));
builder.AddMs5ServiceDefaults();
try
{
    builder.AddMs5Proxy();
    var app = builder.Build();
    app.UseMs5Proxy();
    await app.RunAsync();
    return 0;
}
catch (ProxySettingsException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
