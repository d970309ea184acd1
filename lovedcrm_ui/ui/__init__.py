"""The NiceGUI user interface: pages, the pipeline board and its components."""
