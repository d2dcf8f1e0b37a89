CREATE TABLE parent (id INT PRIMARY KEY);
CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, created DATE NOT NULL, CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
