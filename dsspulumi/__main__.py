from dsspulumi.cli import main

main()
