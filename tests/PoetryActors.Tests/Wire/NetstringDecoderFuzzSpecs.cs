using System.Diagnostics;
using System.Globalization;
using System.Text;
using PoetryActors.Wire;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PoetryActors.Tests.Wire;

/// <summary>
/// Feeds a million random inputs, each split at random places, and checks the decoder against
/// what the input was built to be. Reproducible: the seed is fixed unless POETRY_FUZZ_SEED sets
/// another, and every failure names the seed, the case, the input and where it was split.
/// </summary>
public sealed class NetstringDecoderFuzzSpecs(ITestOutputHelper output)
{
    private const int DefaultSeed = 27_1015;
    private const int Cases = 1_000_000;

    private enum Kind
    {
        ValidFrames,
        Truncated,
        Oversized,
        Garbage,
        Mutated,
    }

    [Fact]
    public void A_million_random_inputs_split_at_random_never_throw_and_decode_exactly_what_they_should()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("POETRY_FUZZ_SEED"), CultureInfo.InvariantCulture, out var chosen)
            ? chosen
            : DefaultSeed;
        var fuzzer = new Fuzzer(seed);
        var stopwatch = Stopwatch.StartNew();

        for (var i = 0; i < Cases; i++)
        {
            fuzzer.RunCase(i);
        }

        stopwatch.Stop();
        output.WriteLine(
            $"seed {seed}: {Cases:N0} cases, {fuzzer.Bytes:N0} bytes, {fuzzer.Frames:N0} frames decoded, " +
            $"{fuzzer.Failures:N0} failures, {fuzzer.Incomplete:N0} incomplete, in {stopwatch.Elapsed.TotalSeconds:F1} s");

        // Every kind of input must have been tried often enough to mean something.
        Assert.All(fuzzer.CasesPerKind, count => Assert.True(count > Cases / 10, $"seed {seed}: only {count} cases of a kind"));
        Assert.True(fuzzer.Frames > Cases / 2, $"seed {seed}: only {fuzzer.Frames} frames decoded");
        Assert.True(fuzzer.Failures > Cases / 5, $"seed {seed}: only {fuzzer.Failures} failures");
    }

    /// <summary>What a whole input, seen at once, should give: its frames, then failure at an offset or a wait for more.</summary>
    private readonly record struct Outcome(List<(int Start, int Length)> Frames, int FailedAt, bool AtBoundary)
    {
        public bool Failed => FailedAt >= 0;
    }

    private sealed class Fuzzer(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<(int Start, int Length)> _built = [];
        private readonly List<int> _cuts = [];
        private byte[] _data = new byte[1024];
        private int _length;
        private int _case;
        private Kind _kind;
        private int _maxLength;

        public int[] CasesPerKind { get; } = new int[5];

        public long Bytes { get; private set; }

        public long Frames { get; private set; }

        public long Failures { get; private set; }

        public long Incomplete { get; private set; }

        public void RunCase(int index)
        {
            _case = index;
            _kind = (Kind)_random.Next(5);
            CasesPerKind[(int)_kind]++;

            // Small maxima now and then reach the limit often without huge inputs.
            _maxLength = _random.Next(8) == 0 ? _random.Next(0, 300) : NetstringDecoder.DefaultMaxLength;
            _length = 0;
            _built.Clear();

            var expected = Build();
            ChooseCuts();
            Bytes += _length;

            Outcome actual;
            try
            {
                actual = Decode();
            }
            catch (Exception exception) when (exception is not XunitException)
            {
                throw Failure($"the decoder threw {exception}");
            }

            Check(expected, actual);
        }

        private Outcome Build()
        {
            // Any kind may come after a few whole frames, which must still decode.
            var leading = _random.Next(4) == 0 ? _random.Next(1, 4) : 0;
            for (var i = 0; i < leading; i++)
            {
                AppendFrame();
            }

            switch (_kind)
            {
                case Kind.ValidFrames:
                    var count = _random.Next(1, 4);
                    for (var i = 0; i < count; i++)
                    {
                        AppendFrame();
                    }

                    return new Outcome([.. _built], -1, AtBoundary: true);

                case Kind.Truncated:
                    var start = _length;
                    AppendFrame();
                    _built.RemoveAt(_built.Count - 1);
                    _length = start + _random.Next(1, _length - start);
                    return new Outcome([.. _built], -1, AtBoundary: false);

                case Kind.Oversized:
                    return new Outcome([.. _built], AppendOversizedLength(), AtBoundary: false);

                case Kind.Garbage:
                    AppendGarbage();
                    return Oracle();

                default:
                    AppendFrame();
                    Mutate();
                    return Oracle();
            }
        }

        private void AppendFrame()
        {
            // Mostly short, as requests are; now and then at the maximum, which is cheap to reach
            // under the small maxima and is kept rare under the default one.
            var payloadLength = _random.Next(100) switch
            {
                < 50 => _random.Next(0, 17),
                < 94 => _random.Next(0, 201),
                < 98 => _random.Next(0, 2001),
                _ when _maxLength <= 2000 || _random.Next(2000) == 0 => _random.Next(Math.Max(0, _maxLength - 2), _maxLength + 1),
                _ => _random.Next(0, 17),
            };
            payloadLength = Math.Min(payloadLength, _maxLength);

            var encodedLength = NetstringEncoder.EncodedLength(payloadLength);
            var frame = Reserve(encodedLength);
            var payloadStart = _length + encodedLength - 1 - payloadLength;

            // Random bytes, with a few of those that mean something to the grammar sprinkled in.
            var payload = frame.Slice(encodedLength - 1 - payloadLength, payloadLength);
            _random.NextBytes(payload);
            for (var i = payload.IsEmpty ? 0 : _random.Next(4); i > 0; i--)
            {
                payload[_random.Next(payload.Length)] = InterestingByte();
            }

            NetstringEncoder.Encode(payload.ToArray(), frame);
            _built.Add((payloadStart, payloadLength));
            _length += encodedLength;
        }

        private int AppendOversizedLength()
        {
            var digits = _random.Next(3) switch
            {
                0 => (_maxLength + 1L).ToString(CultureInfo.InvariantCulture),
                1 => (_maxLength + 1L + _random.Next(1_000_000)).ToString(CultureInfo.InvariantCulture),
                _ => _random.Next(1, 10).ToString(CultureInfo.InvariantCulture) + RandomDigits(_random.Next(5, 30)),
            };

            var start = _length;
            var target = Reserve(digits.Length + 20);
            Encoding.ASCII.GetBytes(digits, target);
            _length += digits.Length;

            // What follows the length never matters: the decoder must have stopped already.
            if (_random.Next(2) == 0)
            {
                _data[_length++] = (byte)':';
                for (var i = _random.Next(10); i > 0; i--)
                {
                    _data[_length++] = InterestingByte();
                }
            }

            // The first digit at which the length read so far exceeds the maximum.
            long value = 0;
            for (var i = 0; ; i++)
            {
                value = (value * 10) + (digits[i] - '0');
                if (value > _maxLength)
                {
                    return start + i;
                }
            }
        }

        private void AppendGarbage()
        {
            var count = _random.Next(0, 41);
            var garbage = Reserve(count);
            for (var i = 0; i < count; i++)
            {
                garbage[i] = InterestingByte();
            }

            _length += count;
        }

        private void Mutate()
        {
            var at = _random.Next(_length);
            switch (_random.Next(3))
            {
                case 0:
                    _data[at] = InterestingByte();
                    break;
                case 1:
                    Reserve(1);
                    Array.Copy(_data, at, _data, at + 1, _length - at);
                    _data[at] = InterestingByte();
                    _length++;
                    break;
                default:
                    Array.Copy(_data, at + 1, _data, at, _length - at - 1);
                    _length--;
                    break;
            }
        }

        private byte InterestingByte() => _random.Next(8) switch
        {
            0 => (byte)':',
            1 => (byte)',',
            2 or 3 => (byte)('0' + _random.Next(10)),
            _ => (byte)_random.Next(256),
        };

        private string RandomDigits(int count)
        {
            var digits = new char[count];
            for (var i = 0; i < count; i++)
            {
                digits[i] = (char)('0' + _random.Next(10));
            }

            return new string(digits);
        }

        private Span<byte> Reserve(int count)
        {
            if (_length + count > _data.Length)
            {
                Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + count));
            }

            return _data.AsSpan(_length, count);
        }

        private void ChooseCuts()
        {
            _cuts.Clear();
            switch (_random.Next(4))
            {
                case 0:
                    break;
                case 1 when _length <= 4096:
                    for (var i = 1; i < _length; i++)
                    {
                        _cuts.Add(i);
                    }

                    break;
                default:
                    // Equal cuts make empty chunks, which a decoder must take in its stride too.
                    for (var i = _random.Next(1, 6); i > 0; i--)
                    {
                        _cuts.Add(_random.Next(_length + 1));
                    }

                    _cuts.Sort();
                    break;
            }
        }

        /// <summary>Runs the decoder over the input chunk by chunk, checking each answer against the call's contract.</summary>
        private Outcome Decode()
        {
            var decoder = new NetstringDecoder(_maxLength);
            var frames = new List<(int Start, int Length)>();
            var position = 0;
            for (var c = 0; c <= _cuts.Count; c++)
            {
                var end = c < _cuts.Count ? _cuts[c] : _length;
                while (true)
                {
                    var chunk = _data.AsSpan(position, end - position);
                    var status = decoder.Decode(chunk, out var consumed, out var frame);
                    if (consumed < 0 || consumed > chunk.Length)
                    {
                        throw Failure($"consumed {consumed} of a {chunk.Length}-byte chunk");
                    }

                    position += consumed;
                    switch (status)
                    {
                        case NetstringDecodeStatus.FrameDecoded:
                            if (frame is null || consumed == 0)
                            {
                                throw Failure($"a frame was decoded with frame {(frame is null ? "null" : "set")} and {consumed} bytes consumed");
                            }

                            if (!frame.AsSpan().SequenceEqual(_data.AsSpan(position - 1 - frame.Length, frame.Length)))
                            {
                                throw Failure($"frame {frames.Count} is not the payload that preceded its comma");
                            }

                            frames.Add((position - 1 - frame.Length, frame.Length));
                            if (position == end)
                            {
                                goto NextChunk;
                            }

                            continue;

                        case NetstringDecodeStatus.NeedMoreData:
                            if (frame is not null || consumed != chunk.Length)
                            {
                                throw Failure($"needing more data, it consumed {consumed} of {chunk.Length} bytes");
                            }

                            goto NextChunk;

                        default:
                            if (frame is not null || string.IsNullOrEmpty(decoder.Error) || !decoder.IsFailed)
                            {
                                throw Failure("it failed without a reason, or with a frame");
                            }

                            if (decoder.Decode(_data.AsSpan(0, 1), out var after, out _) != NetstringDecodeStatus.Failed || after != 0)
                            {
                                throw Failure("it did not stay failed");
                            }

                            if (_kind == Kind.Oversized && !decoder.Error.Contains($"exceeds the maximum of {_maxLength}", StringComparison.Ordinal))
                            {
                                throw Failure($"an oversized length failed for another reason: {decoder.Error}");
                            }

                            Failures++;
                            return new Outcome(frames, position, AtBoundary: false);
                    }
                }

            NextChunk:;
            }

            if (!decoder.IsAtFrameBoundary)
            {
                Incomplete++;
            }

            return new Outcome(frames, -1, decoder.IsAtFrameBoundary);
        }

        private void Check(Outcome expected, Outcome actual)
        {
            if (!expected.Frames.SequenceEqual(actual.Frames))
            {
                throw Failure($"expected frames {Show(expected.Frames)} but decoded {Show(actual.Frames)}");
            }

            if (expected.FailedAt != actual.FailedAt || expected.AtBoundary != actual.AtBoundary)
            {
                throw Failure(
                    $"expected {(expected.Failed ? $"a failure at byte {expected.FailedAt}" : expected.AtBoundary ? "a wait between frames" : "a wait inside a frame")} " +
                    $"but got {(actual.Failed ? $"a failure at byte {actual.FailedAt}" : actual.AtBoundary ? "a wait between frames" : "a wait inside a frame")}");
            }

            Frames += actual.Frames.Count;
        }

        /// <summary>
        /// Parses the whole input at once, the plain way, for inputs that were not built to be
        /// anything in particular: frames while they are whole, then a failure or a wait.
        /// </summary>
        private Outcome Oracle()
        {
            var frames = new List<(int Start, int Length)>();
            var position = 0;
            while (true)
            {
                if (position == _length)
                {
                    return new Outcome(frames, -1, AtBoundary: true);
                }

                long length = 0;
                var digits = 0;
                while (true)
                {
                    if (position == _length)
                    {
                        return new Outcome(frames, -1, AtBoundary: false);
                    }

                    var b = _data[position];
                    if (b == ':' && digits > 0)
                    {
                        position++;
                        break;
                    }

                    var isDigit = b is >= (byte)'0' and <= (byte)'9';
                    if (!isDigit || (digits == 1 && length == 0))
                    {
                        return new Outcome(frames, position, AtBoundary: false);
                    }

                    length = (length * 10) + (b - '0');
                    digits++;
                    if (length > _maxLength)
                    {
                        return new Outcome(frames, position, AtBoundary: false);
                    }

                    position++;
                }

                if (_length - position <= length)
                {
                    return new Outcome(frames, -1, AtBoundary: false);
                }

                frames.Add((position, (int)length));
                position += (int)length;
                if (_data[position] != ',')
                {
                    frames.RemoveAt(frames.Count - 1);
                    return new Outcome(frames, position, AtBoundary: false);
                }

                position++;
            }
        }

        private XunitException Failure(string what)
        {
            var input = Convert.ToHexString(_data, 0, Math.Min(_length, 400));
            return new XunitException(
                $"seed {seed}, case {_case} ({_kind}, max {_maxLength}): {what}\n" +
                $"input ({_length} bytes{(_length > 400 ? ", first 400 shown" : "")}): {input}\n" +
                $"cut after: [{string.Join(", ", _cuts.Take(50))}{(_cuts.Count > 50 ? ", ..." : "")}]");
        }

        private static string Show(List<(int Start, int Length)> frames) =>
            "[" + string.Join(", ", frames.Select(f => $"{f.Length} bytes at {f.Start}")) + "]";
    }
}
