import ArgumentParser

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "An archive whose blobs are in an S3-compatible bucket (store: in the configuration).",
        discussion: """
            The index stays in the archive directory; after each run a snapshot of it goes to the \
            bucket (<prefix>/index/), beside the blobs (<prefix>/blobs/). `store restore` rebuilds \
            the archive directory on a new machine from the bucket alone.
            """,
        subcommands: [StoreRestoreCommand.self])
}
