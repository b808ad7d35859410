namespace PoetryActors.Wire;

/// <summary>
/// What one call to <see cref="NetstringDecoder.Decode"/> achieved: it buffered everything and
/// wants more input, it completed a frame, or the input is not a netstring (the decoder then
/// stays failed and <see cref="NetstringDecoder.Error"/> says why).
/// </summary>
internal enum NetstringDecodeStatus
{
    /// <summary>All input was consumed and no frame is complete yet.</summary>
    NeedMoreData,

    /// <summary>A frame was completed; any input after it was left unconsumed.</summary>
    FrameDecoded,

    /// <summary>The input broke the netstring grammar or the length limit.</summary>
    Failed,
}
