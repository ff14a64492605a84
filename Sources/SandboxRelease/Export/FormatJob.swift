import AWSCore

/// One format of the run and where it stands.
final class FormatJob {
    enum Phase { case copying, queued, exporting, done, failed }

    let format: DiskFormat
    var phase: Phase
    /// The AMI this format is exported from: the base AMI or its own copy.
    var imageId: String
    /// The copy made for this format, removed once its export has ended.
    var copyId: String?
    var task: ExportTask?
    /// Only tasks this run started are cancelled on an interrupt.
    var startedHere = false
    /// Failed tasks of this format so far: part of the client token, so a re-run after a failure
    /// starts a new task rather than being handed the failed one again.
    var attempt = 0
    var lastLine = ""
    var waitingSaid = false
    var result: JSON?
    var failure: String?

    init(format: DiskFormat, imageId: String, phase: Phase) {
        self.format = format
        self.imageId = imageId
        self.phase = phase
    }

    var isFinished: Bool { phase == .done || phase == .failed }
}
