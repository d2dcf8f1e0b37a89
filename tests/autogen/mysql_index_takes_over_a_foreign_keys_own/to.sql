CREATE TABLE parent (id INT PRIMARY KEY);
CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, created DATE NOT NULL, KEY child_parent_created (parent_id, created), CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
