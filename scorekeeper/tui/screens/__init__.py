"""One screen or modal per module, as harlequin and posting lay theirs out."""
