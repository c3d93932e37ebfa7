using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.ServiceDefaults;

namespace Ms5.OeeEngine.Orders;

internal static class OrderRegistration
{
    /// <summary>
    /// Production orders live (section Stream:Orders): the ms5.orders.v1 publisher (outbox and progress) and the automatic
    /// start by product, which the engine calls after each committed batch. Needs AddMs5Postgres, AddMs5Kafka and AddOeeEngine.
    /// </summary>
    public static IHostApplicationBuilder AddOrderPublishing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<OrderPublishingOptions>(builder.Configuration, OrderPublishingOptions.Section);
        builder.AddMs5Topics(sp => [sp.GetRequiredService<IOptions<OrderPublishingOptions>>().Value.Topic]);
        services.TryAddSingleton<OrderStore>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<OrderAutoStart>(sp, sp.GetRequiredService<IOptions<OrderPublishingOptions>>().Value));
        services.AddHostedService(sp =>
        {
            var producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-orders-publisher")).Build());
            return ActivatorUtilities.CreateInstance<OrderPublisher>(sp, producer, sp.GetRequiredService<IOptions<OrderPublishingOptions>>().Value);
        });
        return builder;
    }
}
