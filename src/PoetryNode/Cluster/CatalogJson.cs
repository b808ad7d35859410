using System.Text.Json;
using static PoetryActors.Cluster.CatalogProtocol;
using CatalogService = PoetryActors.Cluster.CatalogService;

namespace PoetryNode.Cluster;

/// <summary>
/// The catalog as one JSON document, the contract of <c>catalog --json</c> and of a member's
/// <c>/catalog.json</c>:
/// <c>{"members":[{"address","roles","status"}],"services":[{"node","name","kind","endpoint","poem","bytes","sha256"}]}</c>
/// (<c>poem</c>, <c>bytes</c>, <c>sha256</c> only for poem services). <see cref="Write"/> prints
/// it; <see cref="Read"/> reads it back from a member's answer, checking every field, since what
/// arrives over HTTP may come from anything listening on that port.
/// </summary>
internal static class CatalogJson
{
    /// <summary>Writes <paramref name="catalog"/> as the document, indented, with a final newline.</summary>
    public static void Write(Stream output, CurrentCatalog catalog)
    {
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("members");
            foreach (var member in catalog.Members)
            {
                json.WriteStartObject();
                json.WriteString("address", member.Address);
                json.WriteStartArray("roles");
                foreach (var role in member.Roles)
                {
                    json.WriteStringValue(role);
                }

                json.WriteEndArray();
                json.WriteString("status", member.Status);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("services");
            foreach (var service in catalog.Services)
            {
                json.WriteStartObject();
                json.WriteString("node", service.Node);
                json.WriteString("name", service.Name);
                json.WriteString("kind", service.Kind);
                json.WriteString("endpoint", service.Endpoint);
                if (service.Poem is not null)
                {
                    json.WriteString("poem", service.Poem);
                }

                if (service.Bytes is { } bytes)
                {
                    json.WriteNumber("bytes", bytes);
                }

                if (service.Sha256 is not null)
                {
                    json.WriteString("sha256", service.Sha256);
                }

                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.Write("\n"u8);
        output.Flush();
    }

    /// <summary>The document as bytes (what <c>/catalog.json</c> sends).</summary>
    public static byte[] ToBytes(CurrentCatalog catalog)
    {
        using var buffer = new MemoryStream();
        Write(buffer, catalog);
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads the document in <paramref name="utf8"/>, as answered by the member <paramref name="answerer"/>
    /// (its remoting address, which the document does not carry). A document that is not JSON, or
    /// lacks a field, or has one of the wrong type, throws <see cref="FormatException"/> saying which.
    /// </summary>
    public static CurrentCatalog Read(ReadOnlyMemory<byte> utf8, string answerer)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON ({OneLine(e.Message)})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"the document is {Described(root.ValueKind)}, not an object with members and services");
            }

            // Loops over the elements rather than LINQ over them: JsonElement is a struct, and LINQ's
            // instantiations over it are not in the ReadyToRun image (30 methods compiled at every
            // get --cluster http://..., DOTNET_JitStdOutFile).
            var memberArray = Array(root, "members", "the document");
            var members = new List<CatalogMember>(memberArray.GetArrayLength());
            foreach (var m in memberArray.EnumerateArray())
            {
                var where = $"members[{members.Count}]";
                var address = Text(m, "address", where);
                var roleArray = Array(m, "roles", where);
                var roles = new List<string>(roleArray.GetArrayLength());
                foreach (var r in roleArray.EnumerateArray())
                {
                    roles.Add(r.ValueKind == JsonValueKind.String ? r.GetString()! : throw Wrong($"{where}.roles[{roles.Count}]", "a string"));
                }

                members.Add(new CatalogMember(address, roles, Text(m, "status", where)));
            }

            var serviceArray = Array(root, "services", "the document");
            var services = new List<CatalogService>(serviceArray.GetArrayLength());
            foreach (var s in serviceArray.EnumerateArray())
            {
                var where = $"services[{services.Count}]";
                services.Add(new CatalogService(
                    Text(s, "node", where),
                    Text(s, "name", where),
                    Text(s, "kind", where),
                    Text(s, "endpoint", where),
                    OptionalText(s, "poem", where),
                    OptionalBytes(s, where),
                    OptionalText(s, "sha256", where)));
            }

            return new CurrentCatalog(answerer, members, services);
        }
    }

    // The array named <name> of <parent>, or why there is none.
    private static JsonElement Array(JsonElement parent, string name, string where)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(where, "an object");
        }

        if (!parent.TryGetProperty(name, out var value))
        {
            throw new FormatException($"{where} has no \"{name}\"");
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw Wrong($"{where}.{name}", "an array");
    }

    private static string Text(JsonElement parent, string name, string where) =>
        OptionalText(parent, name, where) ?? throw new FormatException($"{where} has no \"{name}\"");

    private static string? OptionalText(JsonElement parent, string name, string where)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(where, "an object");
        }

        if (!parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong($"{where}.{name}", "a string");
    }

    private static long? OptionalBytes(JsonElement parent, string where)
    {
        if (!parent.TryGetProperty("bytes", out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var bytes) && bytes >= 0
            ? bytes
            : throw Wrong($"{where}.bytes", "a whole number of bytes");
    }

    private static string Described(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static FormatException Wrong(string where, string expected) => new($"{where} is not {expected}");

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
