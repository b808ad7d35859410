using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using PoetryActors.Download;

namespace PoetryNode.Get;

/// <summary>
/// <c>get --json</c>: one JSON document describing every requested poem in request order, with
/// its address, outcome, byte count, timings and the poem (as text, or base64 when it is not
/// UTF-8) or the error (step, detail, and the whole reason), followed by a summary.
/// <code>
/// { "poems": [ { "index": 0, "address": "127.0.0.1:10000", "outcome": "downloaded", "bytes": 2975,
///                "fetched_bytes": 2975, "timings_ms": { "fetch": 3.1, "transform": 0, "total": 3.2 },
///                "transform": null, "poem": "...", "error": null } ],
///   "summary": { "requested": 1, "downloaded": 1, "failed": 0, "elapsed_ms": 12.5 } }
/// </code>
/// </summary>
internal static class JsonReport
{
    /// <summary>Writes the document for <paramref name="outcomes"/> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, IReadOnlyList<PoemOutcome> outcomes, TimeSpan elapsed)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Indented = true,
            // Poems are for people: keep their letters readable rather than \u-escaped.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        json.WriteStartObject();
        json.WriteStartArray("poems");
        var scratch = new ArrayBufferWriter<byte>();
        foreach (var outcome in outcomes)
        {
            WritePoem(json, outcome, scratch);
            // Stream the document: ten thousand poems would otherwise sit in the writer's buffer.
            if (json.BytesPending > 64 * 1024)
            {
                json.Flush();
            }
        }

        json.WriteEndArray();

        json.WriteStartObject("summary");
        json.WriteNumber("requested", outcomes.Count);
        json.WriteNumber("downloaded", outcomes.Count(o => o.Succeeded));
        json.WriteNumber("failed", outcomes.Count(o => !o.Succeeded));
        json.WriteNumber("elapsed_ms", Milliseconds(elapsed));
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WritePoem(Utf8JsonWriter json, PoemOutcome outcome, ArrayBufferWriter<byte> scratch)
    {
        json.WriteStartObject();
        json.WriteNumber("index", outcome.Index);
        json.WriteString("address", outcome.Address.ToString());
        switch (outcome)
        {
            case PoemOutcome.Downloaded poem:
                json.WriteString("outcome", "downloaded");
                json.WriteNumber("bytes", poem.Poem.Length);
                json.WriteNumber("fetched_bytes", poem.FetchedBytes);
                json.WriteStartObject("timings_ms");
                json.WriteNumber("fetch", Milliseconds(poem.Timings.Fetch));
                json.WriteNumber("transform", Milliseconds(poem.Timings.Transform));
                json.WriteNumber("total", Milliseconds(poem.Timings.Total));
                json.WriteEndObject();
                if (poem.Transform is { } transform)
                {
                    json.WriteStartObject("transform");
                    json.WriteString("name", transform.Name);
                    json.WriteString("server", transform.Server?.ToString());
                    json.WriteString("outcome", transform.Succeeded ? "applied" : "failed");
                    if (transform.FailureReason is { } reason)
                    {
                        json.WriteString("error", reason);
                    }
                    else
                    {
                        json.WriteNull("error");
                    }

                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("transform");
                }

                if (Utf8.IsValid(poem.Poem))
                {
                    // Escaped as the writer's encoder would, by a faster path (RelaxedJsonText).
                    scratch.ResetWrittenCount();
                    var room = scratch.GetSpan(RelaxedJsonText.MaxQuotedLength(poem.Poem.Length));
                    var quoted = RelaxedJsonText.WriteQuoted(poem.Poem, room);
                    json.WritePropertyName("poem");
                    json.WriteRawValue(room[..quoted], skipInputValidation: true);
                }
                else
                {
                    json.WriteBase64String("poem_base64", poem.Poem);
                }

                json.WriteNull("error");
                break;
            case PoemOutcome.Failed { Failure: var failure }:
                json.WriteString("outcome", failure.Failure == FetchFailure.Interrupted ? "interrupted" : "failed");
                json.WriteNumber("bytes", failure.BytesReceived);
                json.WriteStartObject("timings_ms");
                if (failure.Elapsed is { } elapsed)
                {
                    json.WriteNumber("total", Milliseconds(elapsed));
                }
                else
                {
                    json.WriteNull("total");
                }

                json.WriteEndObject();
                json.WriteNull("transform");
                json.WriteNull("poem");
                json.WriteStartObject("error");
                json.WriteString("step", failure.Step.ToString().ToLowerInvariant());
                json.WriteString("detail", failure.Detail);
                json.WriteString("reason", failure.Reason);
                json.WriteEndObject();
                break;
        }

        json.WriteEndObject();
    }

    private static double Milliseconds(TimeSpan span) => Math.Round(span.TotalMilliseconds, 3);
}
