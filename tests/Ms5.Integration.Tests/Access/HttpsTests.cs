using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// Production over HTTPS: the API as a real process with Kestrel's certificate from PEM files (a self-signed one made
/// here), the production profile and a signing key from a file; it answers HTTPS with Strict-Transport-Security, and
/// Kestrel refuses a NUL in the path before MS5 sees it.
/// </summary>
[Collection("stack")]
public sealed class HttpsTests(StackFixture stack)
{
    [Fact]
    public async Task Production_OverHttps_AnswersWithHsts_AndStillNeedsCredentials()
    {
        var dir = Directory.CreateTempSubdirectory("ms5-tls-");
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var certFile = Path.Combine(dir.FullName, "tls.crt");
            var keyFile = Path.Combine(dir.FullName, "tls.key");
            await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

            var port = TestPorts.Next();
            using var api = await ApiProcess.StartAsync(stack, "https", new Dictionary<string, string>
            {
                ["MS5_API_URL"] = $"https://127.0.0.1:{port}",
                ["MS5_TLS_CERT_FILE"] = certFile,
                ["MS5_TLS_KEY_FILE"] = keyFile,
                ["MS5_PROFILE"] = "production",
                ["MS5_AUTH_SIGNING_KEY_FILE"] = stack.SigningKeyFile,
            });

            // This client trusts exactly the certificate made above.
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == certificate.Thumbprint };
            using var http = new HttpClient(handler) { BaseAddress = api.Url };

            var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("max-age=31536000", health.Headers.GetValues("Strict-Transport-Security").Single());

            var anonymous = await http.GetAsync(new Uri("api/machines", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.True(anonymous.Headers.Contains("Strict-Transport-Security"));

            using var withKey = new HttpRequestMessage(HttpMethod.Get, new Uri("api/machines", UriKind.Relative));
            withKey.Headers.Authorization = new("Bearer", stack.AdminKey);
            var machines = await http.SendAsync(withKey);
            Assert.True(machines.StatusCode == HttpStatusCode.OK, $"{machines.StatusCode}: {api.Output}");
            Assert.Equal("nosniff", machines.Headers.GetValues("X-Content-Type-Options").Single());

            using var nul = new HttpRequestMessage(HttpMethod.Get, new Uri("api/users/a%00b", UriKind.Relative));
            nul.Headers.Authorization = new("Bearer", stack.AdminKey);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(nul)).StatusCode);

            // Plain HTTP on the HTTPS port is not served (the connection is dropped, or refused with an error status).
            using var plain = new HttpClient();
            try
            {
                Assert.False((await plain.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).IsSuccessStatusCode);
            }
            catch (HttpRequestException)
            {
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
