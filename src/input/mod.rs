//! Opening inputs: paths, folders, standard input, gzip, UTF-16.
