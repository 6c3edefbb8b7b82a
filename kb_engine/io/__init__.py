"""Reading data files and writing outputs, shared by every room of the package."""
