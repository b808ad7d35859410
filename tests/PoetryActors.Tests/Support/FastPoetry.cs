using System.Globalization;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Kinds;
using PoetryActors.Server;
using PoetryActors.Services;
using Xunit;
using static PoetryActors.Listening.ListenerProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Support;

/// <summary>Builds fastpoetry services as a deployment would, and finds the port their listener bound.</summary>
public static class FastPoetry
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A fastpoetry collection named <paramref name="name"/> serving <paramref name="poemPath"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public static ServiceSpec Spec(string name, string poemPath, int port, Config config)
    {
        var parsed = FastPoetryKind.Kind.Parse(new Dictionary<string, string>
        {
            ["poem"] = poemPath,
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
            ["iface"] = "127.0.0.1",
        });
        Assert.Empty(parsed.Problems);
        return Spec(name, parsed.Options!, config);
    }

    /// <summary>A fastpoetry collection from options that were not checked (to reach the start's own checks).</summary>
    public static ServiceSpec Spec(string name, ServiceOptions options, Config config) =>
        ServiceSpec.Collection(name, FastPoetryKind.Build(options, config), ServiceCollectionSettings.Create(config));

    /// <summary>The address the listener of the fastpoetry collection <paramref name="service"/> of <paramref name="node"/> bound.</summary>
    public static async Task<IPEndPoint> BoundAddressAsync(IActorRef node, string service)
    {
        var collection = await node.Ask<CurrentService>(new GetServiceNamed(service), AskTimeout);
        var listener = await collection.Service.Ask<CurrentService>(new GetServiceNamed("listener"), AskTimeout);
        var bound = await listener.Service.Ask<BoundTo>(GetBoundAddress.Instance, AskTimeout);
        return bound.Address;
    }
}
