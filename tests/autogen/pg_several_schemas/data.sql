INSERT INTO posts (title) VALUES ('Hello World');
