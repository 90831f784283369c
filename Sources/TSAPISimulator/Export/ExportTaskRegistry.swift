import Foundation

/// Files of running export tasks, served at /download/{task}/{file} until `next`, the end of
/// the task or a disconnect removes them.
actor ExportTaskRegistry {
    let root: String
    private var files: [String: [String: ExportedFile]] = [:]

    init(root: String) { self.root = root }

    /// Creates the task's private directory (named by the server's own task id only).
    func open(task: String) throws -> String {
        let directory = (root as NSString).appendingPathComponent(task)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        files[task] = [:]
        return directory
    }

    func publish(task: String, _ file: ExportedFile) { files[task]?[file.name] = file }

    func lookup(task: String, name: String) -> ExportedFile? { files[task]?[name] }

    /// Deletes the task's current files (after `next`).
    func deleteFiles(task: String) {
        for file in (files[task] ?? [:]).values { try? FileManager.default.removeItem(atPath: file.path) }
        files[task] = [:]
    }

    /// Deletes everything of the task (end, cancel, timeout, disconnect).
    func close(task: String) {
        files[task] = nil
        try? FileManager.default.removeItem(atPath: (root as NSString).appendingPathComponent(task))
    }

    var openTaskCount: Int { files.count }
}
