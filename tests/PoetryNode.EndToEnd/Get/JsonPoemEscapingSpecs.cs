using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Get;

/// <summary>
/// <c>get --json</c> writes each poem through its own escaper (Get/RelaxedJsonText.cs) rather than
/// <see cref="Utf8JsonWriter.WriteString(string, ReadOnlySpan{byte})"/>: these specs serve hostile
/// poems from a real fastpoetry node and check the poem's JSON string byte for byte against what
/// <see cref="Utf8JsonWriter"/> with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> (the
/// report's encoder) writes for the same bytes.
/// </summary>
public sealed class JsonPoemEscapingSpecs
{
    [Fact]
    public async Task A_poem_of_quotes_backslashes_and_control_characters_is_escaped_exactly_as_the_json_writer_escapes_it()
    {
        var poem = new List<byte>();
        for (var b = 0; b < 0x80; b++)
        {
            // Every ASCII byte, each between letters, then all of them in a row.
            poem.AddRange("ab"u8.ToArray());
            poem.Add((byte)b);
        }

        for (var b = 0; b < 0x80; b++)
        {
            poem.Add((byte)b);
        }

        poem.AddRange("\"quoted\" \\back\\slashed\\ \r\n\t\b\f \u007f <html> & 'apostrophe' `tick` +plus\n"u8.ToArray());
        await AssertEscapedLikeTheWriterAsync(poem.ToArray());
    }

    [Fact]
    public async Task A_poem_of_every_unicode_character_is_escaped_exactly_as_the_json_writer_escapes_it()
    {
        // Every scalar value of the basic plane (C1 controls, U+2028, private use and unassigned
        // ones included) and every 61st beyond it, each after an ASCII letter, so that runs of
        // ASCII and of other text alternate; then a stretch of non-ASCII text without a break.
        var text = new StringBuilder();
        for (var scalar = 1; scalar <= 0x10FFFF; scalar += scalar < 0x10000 ? 1 : 61)
        {
            if (scalar is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            text.Append(scalar % 7 == 0 ? 'x' : ' ').Append(char.ConvertFromUtf32(scalar));
        }

        text.Append("Ünïcödé ñ 诗歌 🎭🪶 \u0085\u2028\u2029\u00a0\ufeff");
        await AssertEscapedLikeTheWriterAsync(Encoding.UTF8.GetBytes(text.ToString()), "--max-poem-bytes", "2000000");
    }

    [Fact]
    public async Task A_poem_that_is_not_utf8_still_comes_as_base64_and_no_poem_text()
    {
        // A byte that starts no character, a truncated two-byte and three-byte character, and a lone lead byte at the end.
        byte[] poem = [.. "half a line "u8.ToArray(), 0xFF, 0xFE, .. " then "u8.ToArray(), 0xC3, 0x28, 0xE2, 0x82, (byte)'\n', 0xF0, 0x9F, 0x8E];
        await using var node = await PoemNodeAsync(poem);

        var run = await CompletedRun.RunAsync("get", "--json", $"{node.Port}");

        Assert.True(run.ExitCode == 0, run.Transcript);
        using var json = JsonDocument.Parse(run.Stdout);
        var entry = json.RootElement.GetProperty("poems")[0];
        Assert.False(entry.TryGetProperty("poem", out _), run.Transcript);
        Assert.Equal(Convert.ToBase64String(poem), entry.GetProperty("poem_base64").GetString());
        Assert.Equal(poem.Length, entry.GetProperty("bytes").GetInt32());
    }

    private static async Task AssertEscapedLikeTheWriterAsync(byte[] poem, params string[] options)
    {
        await using var node = await PoemNodeAsync(poem);

        var run = await CompletedRun.RunAsync(["get", "--json", .. options, $"{node.Port}"], TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 0, run.Transcript);
        var stdout = run.Stdout;
        var property = "\"poem\": "u8.ToArray();
        var at = stdout.AsSpan().IndexOf(property);
        Assert.True(at >= 0, run.Transcript);
        var expected = WrittenByTheJsonWriter(poem);
        var actual = stdout.AsSpan(at + property.Length, Math.Min(expected.Length + 1, stdout.Length - at - property.Length)).ToArray();
        // The writer's string, and then the comma before the next property: nothing more, nothing less.
        Assert.Equal([.. expected, (byte)','], actual);
        // And it reads back as the poem.
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(Encoding.UTF8.GetString(poem), json.RootElement.GetProperty("poems")[0].GetProperty("poem").GetString());
    }

    private static byte[] WrittenByTheJsonWriter(byte[] poem)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStringValue(poem);
        }

        return buffer.ToArray();
    }

    private static async Task<ServedPoem> PoemNodeAsync(byte[] poem)
    {
        var folder = Directory.CreateTempSubdirectory("poetry-json-");
        var path = Path.Combine(folder.FullName, "hostile.txt");
        await File.WriteAllBytesAsync(path, poem);
        var node = NodeProcess.Start(["fastpoetry", "--poem", path, "--port", "0", "--iface", "127.0.0.1"]);
        try
        {
            return new ServedPoem(node, (await node.WaitForStartAsync()).Single(), folder);
        }
        catch
        {
            await node.DisposeAsync();
            folder.Delete(recursive: true);
            throw;
        }
    }

    private sealed record ServedPoem(NodeProcess Node, int Port, DirectoryInfo Folder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            Folder.Delete(recursive: true);
        }
    }
}
